#include "assets/assets.h"

#include <array>

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

}  // namespace

std::optional<Asset> Find(std::string_view path) {
  if (auto cut = path.find_first_of("?#"); cut != std::string_view::npos) path = path.substr(0, cut);
  for (const Entry& e : kEntries) {
    if (e.path == path) return Asset{e.content_type, std::string_view(e.begin, static_cast<std::size_t>(e.end - e.begin))};
  }
  return std::nullopt;
}

}  // namespace ordo::assets
