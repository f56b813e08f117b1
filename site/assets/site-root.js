// The site root as a URL, for the page scripts that load or fetch the site's own files: mkdocs-material
// writes it, relative to the current page, into its config element. Loaded before the other scripts.
function siteRoot() {
  "use strict";
  var config = document.getElementById("__config");
  var base = config ? JSON.parse(config.textContent).base : ".";
  return new URL(base.replace(/\/?$/, "/"), window.location.href);
}
