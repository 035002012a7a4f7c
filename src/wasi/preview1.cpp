// placeholder: the WASI implementation is being written
#include "wasi/wasi.h"
