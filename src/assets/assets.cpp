#include "assets/assets.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <vector>

// The files embedded by assets_blob.S: NAME between ordo_asset_NAME_begin and ordo_asset_NAME_end.
#define ORDO_ASSET_SYMBOLS(name)                            \
  extern "C" const char ordo_asset_##name##_begin[];        \
  extern "C" const char ordo_asset_##name##_end[];

ORDO_ASSET_SYMBOLS(openapi_json)
ORDO_ASSET_SYMBOLS(index_html)
ORDO_ASSET_SYMBOLS(init_js)
ORDO_ASSET_SYMBOLS(docs_css)
ORDO_ASSET_SYMBOLS(swagger_ui_bundle_js)
ORDO_ASSET_SYMBOLS(swagger_ui_css)
ORDO_ASSET_SYMBOLS(favicon_32_png)
ORDO_ASSET_SYMBOLS(favicon_16_png)
ORDO_ASSET_SYMBOLS(swagger_ui_license_txt)
ORDO_ASSET_SYMBOLS(swagger_ui_notice_txt)
ORDO_ASSET_SYMBOLS(swagger_ui_bundle_license_txt)
ORDO_ASSET_SYMBOLS(dashboard_pack)

#undef ORDO_ASSET_SYMBOLS

namespace ordo::assets {
namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kJavaScript = "text/javascript; charset=utf-8";
constexpr std::string_view kCss = "text/css; charset=utf-8";
constexpr std::string_view kPng = "image/png";
constexpr std::string_view kText = "text/plain; charset=utf-8";

struct Entry {
  std::string_view path;
  std::string_view content_type;
  const char* begin;
  const char* end;
};

#define ORDO_ASSET(path, type, name) Entry{path, type, ordo_asset_##name##_begin, ordo_asset_##name##_end}

const std::array kEntries = {
    ORDO_ASSET("/openapi.json", kJson, openapi_json),
    ORDO_ASSET("/docs", kHtml, index_html),
    ORDO_ASSET("/docs/", kHtml, index_html),
    ORDO_ASSET("/docs/index.html", kHtml, index_html),
    ORDO_ASSET("/docs/init.js", kJavaScript, init_js),
    ORDO_ASSET("/docs/docs.css", kCss, docs_css),
    ORDO_ASSET("/docs/swagger-ui-bundle.js", kJavaScript, swagger_ui_bundle_js),
    ORDO_ASSET("/docs/swagger-ui.css", kCss, swagger_ui_css),
    ORDO_ASSET("/docs/favicon-32x32.png", kPng, favicon_32_png),
    ORDO_ASSET("/docs/favicon-16x16.png", kPng, favicon_16_png),
    ORDO_ASSET("/docs/swagger-ui-LICENSE.txt", kText, swagger_ui_license_txt),
    ORDO_ASSET("/docs/swagger-ui-NOTICE.txt", kText, swagger_ui_notice_txt),
    ORDO_ASSET("/docs/swagger-ui-bundle.js.LICENSE.txt", kText, swagger_ui_bundle_license_txt),
};

#undef ORDO_ASSET

// The dashboard: one pack made by web/scripts/pack.mjs (its header states the format), indexed
// once on first use. The pack is written by the build, so a malformed one is a build bug: abort.
struct DashboardFile {
  std::string_view path;
  std::string_view content_type;
  std::string_view body;
};

[[noreturn]] void BadPack() { std::abort(); }

std::string_view Line(std::string_view& rest) {
  std::size_t nl = rest.find('\n');
  if (nl == std::string_view::npos) BadPack();
  std::string_view line = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  return line;
}

std::size_t Number(std::string_view text) {
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) BadPack();
  return value;
}

std::vector<DashboardFile> ParsePack() {
  std::string_view rest(ordo_asset_dashboard_pack_begin,
                        static_cast<std::size_t>(ordo_asset_dashboard_pack_end - ordo_asset_dashboard_pack_begin));
  if (Line(rest) != "ORDOPACK1") BadPack();
  std::size_t count = Number(Line(rest));
  struct Row { std::string_view path, type; std::size_t offset, length; };
  std::vector<Row> rows;
  for (std::size_t i = 0; i < count; ++i) {
    std::string_view line = Line(rest);
    std::size_t a = line.find('\t'), b = line.find('\t', a + 1), c = line.find('\t', b + 1);
    if (c == std::string_view::npos) BadPack();
    rows.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), Number(line.substr(b + 1, c - b - 1)),
                    Number(line.substr(c + 1))});
  }
  if (!Line(rest).empty()) BadPack();
  std::vector<DashboardFile> files;
  for (const Row& r : rows) {
    if (r.offset + r.length + 1 > rest.size() || rest[r.offset + r.length] != '\0') BadPack();
    files.push_back({r.path, r.type, rest.substr(r.offset, r.length)});
  }
  std::sort(files.begin(), files.end(), [](const auto& x, const auto& y) { return x.path < y.path; });
  return files;
}

const std::vector<DashboardFile>& Dashboard() {
  static const std::vector<DashboardFile> files = ParsePack();
  return files;
}

}  // namespace

std::optional<Asset> FindDashboard(std::string_view path) {
  if (auto cut = path.find_first_of("?#"); cut != std::string_view::npos) path = path.substr(0, cut);
  const auto& files = Dashboard();
  auto it = std::lower_bound(files.begin(), files.end(), path, [](const DashboardFile& f, std::string_view p) { return f.path < p; });
  if (it == files.end() || it->path != path) return std::nullopt;
  return Asset{it->content_type, it->body};
}

Asset DashboardIndex() {
  auto index = FindDashboard("/index.html");
  if (!index) BadPack();
  return *index;
}

std::vector<std::string_view> DashboardPaths() {
  std::vector<std::string_view> out;
  for (const auto& f : Dashboard()) out.push_back(f.path);
  return out;
}

std::optional<Asset> Find(std::string_view path) {
  if (auto cut = path.find_first_of("?#"); cut != std::string_view::npos) path = path.substr(0, cut);
  for (const Entry& e : kEntries) {
    if (e.path == path) return Asset{e.content_type, std::string_view(e.begin, static_cast<std::size_t>(e.end - e.begin))};
  }
  return std::nullopt;
}

}  // namespace ordo::assets
