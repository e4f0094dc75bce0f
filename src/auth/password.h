// Passwords at rest: scrypt (OpenSSL), memory-hard and slow on purpose.
// Encoded as "scrypt$<log2 N>$<r>$<p>$<salt base64url>$<hash base64url>".
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace ordo::auth {

struct ScryptCost {
  int log2_n = 15;  // N = 32768: 32 MiB and ~0.1 s per hash on one core
  int r = 8;
  int p = 1;
};

Result<std::string> HashPassword(std::string_view password, ScryptCost cost = {});
// False for a wrong password and for an encoding it cannot read. Compares in
// constant time.
bool VerifyPassword(std::string_view password, std::string_view encoded);

}  // namespace ordo::auth
