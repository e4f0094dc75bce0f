// Starts Swagger UI on /docs (loaded with `defer` after swagger-ui-bundle.js, so the DOM is ready).
// Kept out of index.html so the page needs no inline script under a Content-Security-Policy.
"use strict";

window.ui = window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  // Never send the document to the public validator service: nothing leaves this origin.
  validatorUrl: null,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  showExtensions: false,
  tryItOutEnabled: false,
});
