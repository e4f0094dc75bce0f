// Static files embedded in the binary (see CMakeLists.txt): the OpenAPI document at /openapi.json,
// the documentation UI at /docs, and the dashboard (web/, built by Vite) at /. Bodies live in
// read-only data for the life of the process.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace ordo::assets {

struct Asset {
  std::string_view content_type;
  std::string_view body;
};

// path as requested, e.g. "/openapi.json", "/docs", "/docs/", "/docs/swagger-ui.css". nullopt if unknown.
// A query string ("?…") or fragment is ignored; matching is exact otherwise (no directory listing,
// no "..", no case folding).
std::optional<Asset> Find(std::string_view path);

// A file of the dashboard by its path under / ("/index.html", "/assets/index-3fa9c1.js",
// "/licenses.txt"); nullopt if the dashboard has no such file. Same matching rules as Find.
// The files under /assets/ are named by their content hash: they never change.
std::optional<Asset> FindDashboard(std::string_view path);

// The dashboard's index.html: the page of "/" and of every client-side route.
Asset DashboardIndex();

// Every path of the dashboard, sorted (for tests and logs).
std::vector<std::string_view> DashboardPaths();

}  // namespace ordo::assets
