// verify_source: under construction.
#include "bpfload/verify.hpp"
