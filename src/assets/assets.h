// Static files embedded in the binary (see CMakeLists.txt): the OpenAPI document at /openapi.json
// and the documentation UI at /docs. Bodies live in read-only data for the life of the process.
#pragma once

#include <optional>
#include <string_view>

namespace ordo::assets {

struct Asset {
  std::string_view content_type;
  std::string_view body;
};

// path as requested, e.g. "/openapi.json", "/docs", "/docs/", "/docs/swagger-ui.css". nullopt if unknown.
// A query string ("?…") or fragment is ignored; matching is exact otherwise (no directory listing,
// no "..", no case folding).
std::optional<Asset> Find(std::string_view path);

}  // namespace ordo::assets
