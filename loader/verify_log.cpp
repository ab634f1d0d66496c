// verify_log: under construction.
#include "bpfload/verify.hpp"
