// The console's files over a real HTTP port: where they are served, with
// which headers, and that they need no credentials while the API they call
// still does.
#include <string>

#include "absl/strings/str_cat.h"
#include "auth/openssl.h"
#include "auth/test_credentials.h"
#include "config/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/memory_store.h"
#include "tests/e2e_server.h"
#include "tests/e2e_util.h"

namespace flyteoverride::tests {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Console, RootRedirectsToTheConsoleDirectory) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const HttpResult root = HttpCall(harness.http_port(), "GET", "/");
  EXPECT_EQ(root.status, 302);
  EXPECT_THAT(root.headers, HasSubstr("Location: /console/"));
}

TEST(Console, ConsoleDirectoryServesTheIndexPage) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  for (const char* path : {"/console/", "/console/index.html"}) {
    const HttpResult page = HttpCall(harness.http_port(), "GET", path);
    EXPECT_EQ(page.status, 200) << path;
    EXPECT_THAT(page.headers, HasSubstr("text/html; charset=utf-8")) << path;
    EXPECT_THAT(page.body, HasSubstr("<!doctype html>")) << path;
  }
}

TEST(Console, PagesCarryHeadersThatKeepThePageToItsOwnFiles) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const HttpResult page = HttpCall(harness.http_port(), "GET", "/console/");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.headers,
              HasSubstr("Content-Security-Policy: default-src 'self'"));
  EXPECT_THAT(page.headers, HasSubstr("connect-src 'self'"));
  EXPECT_THAT(page.headers, HasSubstr("X-Content-Type-Options: nosniff"));
  EXPECT_THAT(page.headers, HasSubstr("Cache-Control: no-cache"));
  // The API's answers are not pages and carry none of it.
  const HttpResult api = HttpCall(harness.http_port(), "GET",
                                  "/v1/executions/p/d/none");
  EXPECT_THAT(api.headers, Not(HasSubstr("Content-Security-Policy")));
}

TEST(Console, StylesheetIsServedAsCss) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const HttpResult css = HttpCall(harness.http_port(), "GET", "/console/style.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_THAT(css.headers, HasSubstr("text/css; charset=utf-8"));
}

TEST(Console, UnknownFilesAndOtherMethodsAreNotServed) {
  START_HARNESS(harness, TestConfig(), storage::MemoryStore::Create());
  const int port = harness.http_port();
  EXPECT_EQ(HttpCall(port, "GET", "/console/nope.js").status, 404);
  EXPECT_EQ(HttpCall(port, "GET", "/console/BUILD.bazel").status, 404);
  EXPECT_EQ(HttpCall(port, "GET", "/console/test/assets.test.mjs").status, 404);
  EXPECT_EQ(HttpCall(port, "GET", "/console/../server/BUILD.bazel").status, 404);
  EXPECT_EQ(HttpCall(port, "GET", "/console/%2e%2e/index.html").status, 404);
  EXPECT_EQ(HttpCall(port, "GET", "/console").status, 404);
  const HttpResult post = HttpCall(port, "POST", "/", "{}");
  EXPECT_EQ(post.status, 404);
  EXPECT_THAT(post.body, HasSubstr("no route for POST /"));
}

TEST(Console, PagesNeedNoCredentialsWhileTheApiStillDoes) {
  const std::string jwks = absl::StrCat(TmpDir(), "/console-jwks.json");
  auth::UniquePkey key = auth::testing::NewRsaKey();
  ASSERT_TRUE(WriteFile(jwks, auth::testing::JwksJson(
                                  {auth::testing::PublicJwk(key.get(), "k")})));
  auto parsed = config::ParseConfig(absl::StrCat(
      "auth:\n  jwt: {issuer: \"https://idp.example.com\", audience: a, "
      "jwks_file: ",
      jwks, "}\n  rules:\n    - {name: r, principals: [x], allow: [GetResolved]}\n"
      "storage: {driver: memory}\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  config::Config config = *parsed;
  config.grpc_port = 0;
  config.http_port = 0;
  START_HARNESS(harness, config, storage::MemoryStore::Create());
  EXPECT_EQ(HttpCall(harness.http_port(), "GET", "/console/").status, 200);
  EXPECT_EQ(HttpCall(harness.http_port(), "GET", "/console/style.css").status,
            200);
  EXPECT_EQ(
      HttpCall(harness.http_port(), "GET", "/v1/executions/p/d/n").status, 401);
}

}  // namespace
}  // namespace flyteoverride::tests
