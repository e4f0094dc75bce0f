#include "integrations/ssrf.h"

#include <gtest/gtest.h>

namespace ordo::integrations {
namespace {

TEST(Ssrf, PrivateLoopbackAndLinkLocalAddressesAreNotPublic) {
  for (const char* a : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
                        "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1",
                        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2001:db8::1"})
    EXPECT_FALSE(IsPublicAddress(a)) << a;
  for (const char* a : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "192.169.0.1", "2606:4700::1111", "::ffff:8.8.8.8"})
    EXPECT_TRUE(IsPublicAddress(a)) << a;
  EXPECT_FALSE(IsPublicAddress("not-an-address"));
}

TEST(Ssrf, TargetsOnThisMachineAreRefusedUnlessAllowed) {
  for (const char* url : {"http://127.0.0.1:8080/hook", "http://localhost/x", "http://[::1]:9000/", "http://10.0.0.5/",
                          "http://169.254.169.254/latest/meta-data"}) {
    auto refused = CheckTarget(url, false);
    ASSERT_FALSE(refused.ok()) << url;
    EXPECT_EQ(refused.error().pointer, "/url") << url;
  }
  auto allowed = CheckTarget("http://127.0.0.1:8080/hook", true);
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
  EXPECT_EQ(allowed->host, "127.0.0.1");
  EXPECT_EQ(allowed->port, 8080);
  EXPECT_EQ(allowed->Pins(), std::vector<std::string>{"127.0.0.1:8080:127.0.0.1"});
  auto v6 = CheckTarget("http://[::1]:9000/x", true);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->Pins(), std::vector<std::string>{"::1:9000:[::1]"});
}

TEST(Ssrf, MalformedUrlsNameTheField) {
  for (const char* url : {"ftp://example.com/", "http://", "http://user:pw@8.8.8.8/", "http://8.8.8.8:99999/",
                          "http://8.8.8.8:12ab/", "http://[::1/"}) {
    auto r = CheckTarget(url, true);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().pointer, "/url") << url;
  }
}

}  // namespace
}  // namespace ordo::integrations
