#include "integrations/signature.h"

#include <gtest/gtest.h>

namespace ordo::signature {
namespace {

// The vector of the Standard Webhooks reference libraries
// (standard-webhooks/standard-webhooks, libraries/python/tests/test_webhooks.py,
// test_sign_function): a verifier built on them must accept what Sign makes.
constexpr std::string_view kSpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kSpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kSpecTimestamp = 1614265330;
constexpr std::string_view kSpecBody = R"({"test": 2432232314})";
constexpr std::string_view kSpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(Signature, MatchesTheStandardWebhooksVector) {
  EXPECT_EQ(Sign(kSpecSecret, kSpecId, kSpecTimestamp, kSpecBody), kSpecSignature);
  EXPECT_TRUE(Verify(kSpecSecret, kSpecId, "1614265330", kSpecSignature, kSpecBody, kSpecTimestamp).ok());
}

TEST(Signature, TamperedBodyIdTimestampOrSecretFail) {
  const std::int64_t now = kSpecTimestamp;
  EXPECT_FALSE(Verify(kSpecSecret, kSpecId, "1614265330", kSpecSignature, R"({"test": 2432232315})", now).ok());
  EXPECT_FALSE(Verify(kSpecSecret, "msg_other", "1614265330", kSpecSignature, kSpecBody, now).ok());
  EXPECT_FALSE(Verify(kSpecSecret, kSpecId, "1614265331", kSpecSignature, kSpecBody, now).ok());
  EXPECT_FALSE(Verify("whsec_b3RoZXIgc2VjcmV0", kSpecId, "1614265330", kSpecSignature, kSpecBody, now).ok());
  // The reference libraries' "invalid signature" case: the last base64 character changed.
  auto changed = Verify(kSpecSecret, kSpecId, "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
                        kSpecBody, now);
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.error().message, "no v1 signature matches the body");
}

TEST(Signature, RoundTripWithARawSecret) {
  const std::string body = R"({"type":"order.paid","data":{"id":"ord_1"}})";
  std::string header = Sign("plain text secret", "evt_1", 1'700'000'000, body);
  EXPECT_EQ(header.substr(0, 3), "v1,");
  EXPECT_TRUE(Verify("plain text secret", "evt_1", "1700000000", header, body, 1'700'000'000).ok());
  // A raw secret is its bytes: the whsec_ form of the same bytes signs alike.
  EXPECT_EQ(Sign("whsec_" + Base64Encode("plain text secret"), "evt_1", 1'700'000'000, body), header);
  EXPECT_FALSE(Verify("plain text secreT", "evt_1", "1700000000", header, body, 1'700'000'000).ok());
}

TEST(Signature, TimestampOutsideTheToleranceFails) {
  const std::int64_t sent = 1'700'000'000;
  std::string header = Sign("k", "evt_1", sent, "{}");
  EXPECT_TRUE(Verify("k", "evt_1", "1700000000", header, "{}", sent + 300).ok());
  EXPECT_TRUE(Verify("k", "evt_1", "1700000000", header, "{}", sent - 300).ok());
  auto old = Verify("k", "evt_1", "1700000000", header, "{}", sent + 301);
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.error().message.find("301 s old"), std::string::npos) << old.error().message;
  auto future = Verify("k", "evt_1", "1700000000", header, "{}", sent - 301);
  ASSERT_FALSE(future.ok());
  EXPECT_NE(future.error().message.find("in the future"), std::string::npos) << future.error().message;
  EXPECT_TRUE(Verify("k", "evt_1", "1700000000", header, "{}", sent + 3600, 7200).ok());
}

TEST(Signature, OneMatchingEntryOfSeveralIsEnough) {
  std::string valid = Sign("k", "evt_1", 1'700'000'000, "{}");
  std::string other = Sign("old key", "evt_1", 1'700'000'000, "{}");
  std::string header = other + " v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " + valid + " v1,bm9wZQ==";
  EXPECT_TRUE(Verify("k", "evt_1", "1700000000", header, "{}", 1'700'000'000).ok());
  EXPECT_FALSE(Verify("k", "evt_1", "1700000000", other + " v1,bm9wZQ==", "{}", 1'700'000'000).ok());
  // The same signature under another version tag does not count.
  auto v2 = Verify("k", "evt_1", "1700000000", "v2," + valid.substr(3), "{}", 1'700'000'000);
  ASSERT_FALSE(v2.ok());
  EXPECT_EQ(v2.error().message, "the webhook-signature header has no v1 signature");
}

TEST(Signature, MissingOrMalformedHeadersSayWhich) {
  std::string header = Sign("k", "evt_1", 1'700'000'000, "{}");
  auto message = [&](std::string_view id, std::string_view ts, std::string_view sig) {
    auto s = Verify("k", id, ts, sig, "{}", 1'700'000'000);
    return s.ok() ? std::string("ok") : s.error().message;
  };
  EXPECT_EQ(message("", "1700000000", header), "the webhook-id header is missing");
  EXPECT_EQ(message("evt_1", "", header), "the webhook-timestamp header is missing");
  EXPECT_EQ(message("evt_1", "hello", header), "the webhook-timestamp header is not a number of seconds");
  EXPECT_EQ(message("evt_1", "1700000000.5", header), "the webhook-timestamp header is not a number of seconds");
  EXPECT_EQ(message("evt_1", "1700000000", ""), "the webhook-signature header is missing");
  EXPECT_EQ(message("evt_1", "1700000000", "v1,not base64!"), "no v1 signature matches the body");
}

TEST(Signature, SecretKeyDecodesOnlyTheWhsecForm) {
  EXPECT_EQ(SecretKey("whsec_" + Base64Encode("ordo-sim-secret")), "ordo-sim-secret");
  EXPECT_EQ(SecretKey("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(SecretKey("whsec_not base64"), "whsec_not base64");
}

TEST(Signature, Base64RoundTripsAndRejectsWhatIsNotStandard) {
  const std::string samples[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)};
  for (const std::string& s : samples)
    EXPECT_EQ(Base64Decode(Base64Encode(s)), s);
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_FALSE(Base64Decode("Zm8"));        // unpadded
  EXPECT_FALSE(Base64Decode("Zm-_"));       // URL alphabet
  EXPECT_FALSE(Base64Decode("Z=8="));       // padding inside
  EXPECT_FALSE(Base64Decode(" Zm8="));      // whitespace
}

}  // namespace
}  // namespace ordo::signature
