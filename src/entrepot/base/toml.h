// File: toml.h
//
// toml++ as every Entrepôt translation unit must include it: without exceptions, as the
// project requires. Debian's libtomlplusplus.so is built with exceptions (it only exports
// toml::v3::ex), so its pkg-config flags (TOML_HEADER_ONLY=0, TOML_SHARED_LIB=1) are
// overridden and the header-only build is used; the ABI namespaces (ex/noex) keep the two
// builds apart. Header-only functions are inline, so every file that parses TOML includes
// this header rather than <toml++/toml.h>, and all agree. A target that includes it links
// PkgConfig::TOMLPLUSPLUS for the include path.
#pragma once

#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#undef TOML_SHARED_LIB
#define TOML_SHARED_LIB 0
#define TOML_EXCEPTIONS 0
#define TOML_ENABLE_FORMATTERS 0
#include <toml++/toml.h>
