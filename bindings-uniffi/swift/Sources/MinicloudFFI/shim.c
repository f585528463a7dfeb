// SwiftPM needs one source file in a C target; the real symbols come from libminicloud_uniffi.
#include "MinicloudFFI.h"
