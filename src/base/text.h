// Validation of free text and identifiers taken from the outside world.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ordo {

// Well-formed UTF-8 without control characters (C0, DEL, C1), zero-width or
// bidirectional-override characters, and at most max_chars code points.
bool IsCleanText(std::string_view s, std::size_t max_chars);

// Identifiers (sku, location id, external ids, idempotency keys):
// 1..max_len of [A-Za-z0-9._:-].
bool IsIdentifier(std::string_view s, std::size_t max_len);
// "a,b,,c" → {"a", "b", "c"}: the non-empty items of a separated list.
std::vector<std::string> SplitList(std::string_view text, char separator = ',');

}  // namespace ordo
