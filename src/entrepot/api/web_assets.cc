#include "entrepot/api/web_assets.h"

#include <array>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

namespace entrepot::api {
namespace {

namespace fs = std::filesystem;

// Vite puts content-hashed file names under /assets/: they never change, so a browser may
// keep them; anything else (index.html, icons) is revalidated.
constexpr std::string_view kHashedPrefix = "/assets/";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

bool Hidden(const fs::path& relative) {
  for (const fs::path& part : relative) {
    if (!part.empty() && part.native().front() == '.') {
      return true;
    }
  }
  return false;
}

StatusOr<std::string> ReadWhole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.good() && !in.eof()) {
    return Error(StatusCode::kUnavailable, "web_read_failed",
                 "cannot read " + path.string() + ": check its permissions");
  }
  return text;
}

}  // namespace

std::string_view WebContentType(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 13> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".wav", "audio/wav"},
      {".mp3", "audio/mpeg"},
  }};
  for (const auto& [extension, type] : kTypes) {
    if (file_name.size() > extension.size() && file_name.ends_with(extension)) {
      return type;
    }
  }
  return "application/octet-stream";
}

StatusOr<WebAssets> WebAssets::Load(const fs::path& dir) {
  std::error_code error;
  if (!fs::is_regular_file(dir / "index.html", error)) {
    return Error(StatusCode::kNotFound, "web_not_found",
                 "no index.html in " + dir.string() + ": build the pages (tools/build_web.sh)");
  }
  WebAssets assets;
  size_t total_bytes = 0;
  auto it = fs::recursive_directory_iterator(dir, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    fs::path relative = it->path().lexically_relative(dir);
    std::error_code kind_error;  // An entry that vanished or cannot be read is skipped.
    if (Hidden(relative) || it->is_symlink(kind_error) || !it->is_regular_file(kind_error)) {
      continue;
    }
    if (assets.assets_.size() == kMaxWebFiles) {
      return Error(StatusCode::kResourceExhausted, "web_too_large",
                   dir.string() + " holds more than " + std::to_string(kMaxWebFiles) +
                       " files: point --web at the built pages (web/dist)");
    }
    StatusOr<std::string> body = ReadWhole(it->path());
    if (!body.ok()) {
      return body.status();
    }
    total_bytes += body->size();
    if (total_bytes > kMaxWebBytes) {
      return Error(StatusCode::kResourceExhausted, "web_too_large",
                   dir.string() + " holds more than " + std::to_string(kMaxWebBytes >> 20) +
                       " MiB: point --web at the built pages (web/dist)");
    }
    std::string path = "/" + relative.generic_string();
    std::string_view cache = path.starts_with(kHashedPrefix) ? kImmutable : kRevalidate;
    assets.assets_.emplace(
        path, WebAsset{std::string(WebContentType(path)), std::string(cache), *std::move(body)});
  }
  if (error) {
    return Error(StatusCode::kUnavailable, "web_read_failed",
                 "cannot list " + dir.string() + ": " + error.message());
  }
  return assets;
}

const WebAsset* WebAssets::Find(std::string_view target) const {
  std::string_view path = target.substr(0, target.find('?'));
  if (path == "/") {
    path = "/index.html";
  }
  auto it = assets_.find(path);
  return it == assets_.end() ? nullptr : &it->second;
}

}  // namespace entrepot::api
