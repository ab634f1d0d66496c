// verify_compare: under construction.
#include "bpfload/verify.hpp"
