// File: web_assets.h
//
// The web pages `entrepot serve` serves beside its API: the files of a built front end (web/
// built by Vite into web/dist), read once at start and answered from memory. Serving from
// memory keeps the network threads off the disk and makes path traversal impossible: only
// the paths found when loading exist. The pages are a single-page application with hash
// routes, so "/" is the one HTML entry point.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "entrepot/base/status.h"

namespace entrepot::api {

// Limits on what Load reads: a built front end is a few hundred KB in a few dozen files.
inline constexpr size_t kMaxWebFiles = 2'000;
inline constexpr size_t kMaxWebBytes = size_t{64} << 20;

struct WebAsset {
  std::string content_type;   // From the file's extension.
  std::string cache_control;  // "no-cache" for entry points; a year for hashed assets.
  std::string body;
};

class WebAssets {
 public:
  // Reads every regular file under `dir` (recursively; hidden files and symbolic links are
  // skipped). Errors: kNotFound "web_not_found" when `dir` or its index.html is missing,
  // kResourceExhausted "web_too_large" beyond kMaxWebFiles or kMaxWebBytes, kUnavailable
  // "web_read_failed" when a file cannot be read.
  static StatusOr<WebAssets> Load(const std::filesystem::path& dir);

  // The asset at a request target's path ("/assets/app-1a2b.js"; the query is ignored; "/"
  // is "/index.html"); nullptr when there is none.
  const WebAsset* Find(std::string_view target) const;

  size_t file_count() const { return assets_.size(); }

 private:
  std::map<std::string, WebAsset, std::less<>> assets_;
};

// The Content-Type for a file name's extension; "application/octet-stream" when unknown.
std::string_view WebContentType(std::string_view file_name);

}  // namespace entrepot::api
