// verify_json: under construction.
#include "bpfload/verify.hpp"
