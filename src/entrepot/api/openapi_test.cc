// Checks docs/openapi.json, as embedded in the server, against the routes the router has:
// the same (path, method) pairs, a response for every operation, and the bearer security
// requirement with a 401 on every route that needs a token.
#include "entrepot/api/openapi.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "entrepot/api/router.h"
#include "entrepot/auth/access.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace entrepot::api {
namespace {

using nlohmann::json;
using PathMethod = std::pair<std::string, std::string>;  // ("/api/v1/me", "get")

json Document() { return json::parse(OpenApiDocument(), nullptr, /*allow_exceptions=*/false); }

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The (path template, lower-case method) pairs the router routes. Both the router and
// OpenAPI write a path parameter as "{name}", so templates compare as they are.
std::set<PathMethod> RouterOperations() {
  std::set<PathMethod> out;
  for (const RouteSpec& spec : RouteTable()) {
    std::string_view methods = spec.methods;
    while (!methods.empty()) {
      size_t comma = methods.find(", ");
      out.emplace(std::string(spec.pattern), Lower(methods.substr(0, comma)));
      methods.remove_prefix(comma == std::string_view::npos ? methods.size() : comma + 2);
    }
  }
  return out;
}

const std::set<std::string>& HttpMethods() {
  static const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                                 "options", "head", "patch", "trace"};
  return kMethods;
}

std::set<PathMethod> DocumentOperations(const json& document) {
  std::set<PathMethod> out;
  for (const auto& [path, item] : document.at("paths").items()) {
    for (const auto& [method, operation] : item.items()) {
      if (HttpMethods().contains(method)) {
        out.emplace(path, method);
      }
    }
  }
  return out;
}

// The route of a path template (by its pattern), or kUnmatched.
Route RouteOfPattern(std::string_view pattern) {
  for (const RouteSpec& spec : RouteTable()) {
    if (spec.pattern == pattern) {
      return spec.route;
    }
  }
  return Route::kUnmatched;
}

bool DeclaresBearer(const json& security) {
  for (const json& requirement : security) {
    if (requirement.is_object() && requirement.contains("bearerAuth")) {
      return true;
    }
  }
  return false;
}

// Every "$ref" value under `node` (local references only are expected).
void CollectRefs(const json& node, std::set<std::string>* refs) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) {
        refs->insert(value.get<std::string>());
      } else {
        CollectRefs(value, refs);
      }
    }
  } else if (node.is_array()) {
    for (const json& value : node) {
      CollectRefs(value, refs);
    }
  }
}

TEST(OpenApiTest, TheEmbeddedDocumentIsTheFileByteForByte) {
  std::ifstream file(ENTREPOT_OPENAPI_FILE, std::ios::binary);
  ASSERT_TRUE(file) << ENTREPOT_OPENAPI_FILE;
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(OpenApiDocument(), text.str());
}

TEST(OpenApiTest, IsAnOpenApi3JsonDocument) {
  json document = Document();
  ASSERT_FALSE(document.is_discarded()) << "docs/openapi.json is not valid JSON";
  ASSERT_TRUE(document.is_object());
  ASSERT_TRUE(document.contains("openapi") && document["openapi"].is_string());
  EXPECT_TRUE(document["openapi"].get<std::string>().starts_with("3."));
  EXPECT_TRUE(document.contains("info") && document["info"].contains("title") &&
              document["info"].contains("version"));
  ASSERT_TRUE(document.contains("paths") && document["paths"].is_object());
  const json& scheme = document["components"]["securitySchemes"]["bearerAuth"];
  EXPECT_EQ(scheme["type"], "http");
  EXPECT_EQ(scheme["scheme"], "bearer");
}

TEST(OpenApiTest, DescribesExactlyTheRoutesTheRouterHas) {
  json document = Document();
  ASSERT_TRUE(document.is_object() && document.contains("paths"));
  std::set<PathMethod> routed = RouterOperations();
  std::set<PathMethod> described = DocumentOperations(document);
  for (const PathMethod& operation : routed) {
    EXPECT_TRUE(described.contains(operation))
        << "the router has " << operation.second << " " << operation.first
        << " but docs/openapi.json does not describe it";
  }
  for (const PathMethod& operation : described) {
    EXPECT_TRUE(routed.contains(operation))
        << "docs/openapi.json describes " << operation.second << " " << operation.first
        << " but the router has no such route";
  }
  // Every route has at least one method, so neither set can be trivially empty.
  EXPECT_GE(routed.size(), RouteTable().size());
}

TEST(OpenApiTest, EveryOperationAnswersAndTokenRoutesDeclareBearerAnd401) {
  json document = Document();
  ASSERT_TRUE(document.is_object() && document.contains("paths"));
  for (const auto& [path, item] : document["paths"].items()) {
    Route route = RouteOfPattern(path);
    if (route == Route::kUnmatched) {
      ADD_FAILURE() << path << " is not a route";  // DescribesExactlyTheRoutes... says more.
      continue;
    }
    for (const auto& [method, operation] : item.items()) {
      if (!HttpMethods().contains(method)) {
        continue;
      }
      std::string upper = method;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      bool is_public = RoutePermission(route, upper) == auth::Permission::kPublic;
      std::string where = Lower(method) + " " + path;
      ASSERT_TRUE(operation.contains("responses") && operation["responses"].is_object()) << where;
      EXPECT_FALSE(operation["responses"].empty()) << where;
      // An operation's own "security" overrides the document's; absent means the default.
      const json& security =
          operation.contains("security") ? operation["security"] : document["security"];
      if (is_public) {
        EXPECT_FALSE(DeclaresBearer(security)) << where << " is public";
        continue;
      }
      EXPECT_TRUE(DeclaresBearer(security)) << where << " needs a token";
      EXPECT_TRUE(operation["responses"].contains("401")) << where;
    }
  }
}

TEST(OpenApiTest, PathParametersAreDeclaredAndEveryReferenceResolves) {
  json document = Document();
  ASSERT_TRUE(document.is_object() && document.contains("paths"));
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      size_t open = path.find('{');
      if (open == std::string::npos || !HttpMethods().contains(method)) {
        continue;
      }
      std::string name = path.substr(open + 1, path.find('}') - open - 1);
      bool declared = false;
      for (const json& parameter : operation.value("parameters", json::array())) {
        declared |= parameter.value("name", "") == name && parameter.value("in", "") == "path" &&
                    parameter.value("required", false);
      }
      EXPECT_TRUE(declared) << method << " " << path << " does not declare {" << name << "}";
    }
  }
  std::set<std::string> refs;
  CollectRefs(document, &refs);
  EXPECT_FALSE(refs.empty());
  for (const std::string& ref : refs) {
    ASSERT_TRUE(ref.starts_with("#/")) << ref;
    EXPECT_TRUE(document.contains(json::json_pointer(ref.substr(1)))) << ref << " is dangling";
  }
}

}  // namespace
}  // namespace entrepot::api
