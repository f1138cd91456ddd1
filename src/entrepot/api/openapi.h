// File: openapi.h
//
// The OpenAPI 3 description of the HTTP API, docs/openapi.json, embedded at build time: CMake
// reads the file and writes it into a generated source file in the build tree
// (openapi_document.cc.in is the template). GET /api/v1/openapi.json serves it as is.
#pragma once

#include <string_view>

namespace entrepot::api {

// The embedded docs/openapi.json, byte for byte. Static storage; never empty.
std::string_view OpenApiDocument();

}  // namespace entrepot::api
