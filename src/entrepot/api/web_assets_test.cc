#include "entrepot/api/web_assets.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace entrepot::api {
namespace {

namespace fs = std::filesystem;

class WebAssetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "web_assets_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& relative, const std::string& text) {
    fs::path path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }

  fs::path dir_;
};

TEST_F(WebAssetsTest, RootServesIndexAndAssetsAreFoundByPath) {
  Write("index.html", "<!doctype html>");
  Write("assets/app-1a2b.js", "console.log(1)");
  StatusOr<WebAssets> assets = WebAssets::Load(dir_);
  ASSERT_TRUE(assets.ok()) << assets.status().message();
  EXPECT_EQ(assets->file_count(), 2U);
  const WebAsset* index = assets->Find("/?lang=fr");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->body, "<!doctype html>");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index->cache_control, "no-cache");
  const WebAsset* script = assets->Find("/assets/app-1a2b.js");
  ASSERT_NE(script, nullptr);
  EXPECT_EQ(script->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(script->cache_control, "public, max-age=31536000, immutable");
}

TEST_F(WebAssetsTest, PathsOutsideTheLoadedFilesAreNotFound) {
  Write("index.html", "x");
  Write(".env", "secret");
  fs::create_directory_symlink("/etc", dir_ / "etc");
  StatusOr<WebAssets> assets = WebAssets::Load(dir_);
  ASSERT_TRUE(assets.ok());
  EXPECT_EQ(assets->Find("/.env"), nullptr);
  EXPECT_EQ(assets->Find("/etc/passwd"), nullptr);
  EXPECT_EQ(assets->Find("/../index.html"), nullptr);
  EXPECT_EQ(assets->Find("/index.html/"), nullptr);
  EXPECT_EQ(assets->Find(""), nullptr);
}

TEST_F(WebAssetsTest, MissingIndexReturnsWebNotFound) {
  Write("assets/app.js", "x");
  EXPECT_EQ(WebAssets::Load(dir_).status().reason(), "web_not_found");
  EXPECT_EQ(WebAssets::Load(dir_ / "absent").status().reason(), "web_not_found");
}

TEST_F(WebAssetsTest, TooManyFilesReturnsWebTooLarge) {
  Write("index.html", "x");
  for (size_t i = 0; i < kMaxWebFiles; ++i) {
    Write("assets/f" + std::to_string(i) + ".js", "");
  }
  StatusOr<WebAssets> assets = WebAssets::Load(dir_);
  EXPECT_EQ(assets.status().reason(), "web_too_large");
}

TEST(WebContentTypeTest, KnownExtensionsAndTheRest) {
  EXPECT_EQ(WebContentType("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(WebContentType("icon.svg"), "image/svg+xml");
  EXPECT_EQ(WebContentType("beep.wav"), "audio/wav");
  EXPECT_EQ(WebContentType(".js"), "application/octet-stream");
  EXPECT_EQ(WebContentType("archive.tar"), "application/octet-stream");
}

}  // namespace
}  // namespace entrepot::api
