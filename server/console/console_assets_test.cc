#include "server/console/console_assets.h"

#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace flyteoverride::server::console {
namespace {

TEST(ConsoleAssets, IndexIsEmbeddedAsHtml) {
  const Asset* index = FindAsset("index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(index->body, "<!doctype html>"));
}

TEST(ConsoleAssets, EveryAssetIsFoundByItsNameAndHasABody) {
  ASSERT_FALSE(AllAssets().empty());
  std::string previous;
  for (const Asset& asset : AllAssets()) {
    EXPECT_LT(previous, std::string(asset.name));
    previous = std::string(asset.name);
    EXPECT_EQ(FindAsset(asset.name), &asset);
    EXPECT_FALSE(asset.body.empty()) << asset.name;
    EXPECT_FALSE(asset.content_type.empty()) << asset.name;
  }
}

TEST(ConsoleAssets, ContentTypeFollowsTheExtension) {
  for (const Asset& asset : AllAssets()) {
    if (absl::EndsWith(asset.name, ".js")) {
      EXPECT_EQ(asset.content_type, "text/javascript; charset=utf-8");
    } else if (absl::EndsWith(asset.name, ".css")) {
      EXPECT_EQ(asset.content_type, "text/css; charset=utf-8");
    }
  }
}

// Every byte as in the file, those above 127 included (favicon.svg's title
// has an em dash).
TEST(ConsoleAssets, EmbeddedBodiesEqualTheFiles) {
  for (const Asset& asset : AllAssets()) {
    std::ifstream file("server/console/" + std::string(asset.name),
                       std::ios::binary);
    ASSERT_TRUE(file.good()) << asset.name;
    const std::string bytes{std::istreambuf_iterator<char>(file),
                            std::istreambuf_iterator<char>()};
    EXPECT_EQ(asset.body, bytes) << asset.name;
  }
}

TEST(ConsoleAssets, UnknownNamesAreNotFound) {
  EXPECT_EQ(FindAsset(""), nullptr);
  EXPECT_EQ(FindAsset("nope.js"), nullptr);
  EXPECT_EQ(FindAsset("../index.html"), nullptr);
  EXPECT_EQ(FindAsset("index.htm"), nullptr);
  EXPECT_EQ(FindAsset("index.html2"), nullptr);
  EXPECT_EQ(FindAsset("embed_assets.py"), nullptr);
}

}  // namespace
}  // namespace flyteoverride::server::console
