// verify: under construction.
#include "bpfload/verify.hpp"
