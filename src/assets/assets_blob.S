/* Embeds the files staged by tools/docs/stage.mjs and web/scripts/pack.mjs (in <build>/src/assets/embed, found through the
   assembler's include path, -Wa,-I<dir>, set in CMakeLists.txt) as read-only data. Each file NAME
   lies between ordo_asset_NAME_begin and ordo_asset_NAME_end, followed by one NUL byte. */

        .macro  ordo_asset name, file
        .section .rodata.ordo_assets,"a"
        .balign 16
        .globl  ordo_asset_\name\()_begin
        .hidden ordo_asset_\name\()_begin
        .type   ordo_asset_\name\()_begin, %object
ordo_asset_\name\()_begin:
        .incbin "\file"
        .globl  ordo_asset_\name\()_end
        .hidden ordo_asset_\name\()_end
        .type   ordo_asset_\name\()_end, %object
ordo_asset_\name\()_end:
        .byte   0
        .size   ordo_asset_\name\()_begin, ordo_asset_\name\()_end - ordo_asset_\name\()_begin
        .size   ordo_asset_\name\()_end, 1
        .endm

        ordo_asset openapi_json,            "openapi.json"
        ordo_asset index_html,              "index.html"
        ordo_asset init_js,                 "init.js"
        ordo_asset docs_css,                "docs.css"
        ordo_asset swagger_ui_bundle_js,    "swagger-ui-bundle.js"
        ordo_asset swagger_ui_css,          "swagger-ui.css"
        ordo_asset favicon_32_png,          "favicon-32x32.png"
        ordo_asset favicon_16_png,          "favicon-16x16.png"
        ordo_asset swagger_ui_license_txt,  "swagger-ui-LICENSE.txt"
        ordo_asset swagger_ui_notice_txt,   "swagger-ui-NOTICE.txt"
        ordo_asset swagger_ui_bundle_license_txt, "swagger-ui-bundle.js.LICENSE.txt"
        /* The dashboard (web/): every file of Vite's build in one pack (web/scripts/pack.mjs). */
        ordo_asset dashboard_pack,          "dashboard.pack"

/* No executable stack. */
        .section .note.GNU-stack,"",%progbits
