// Starts GOV.UK Frontend components: kept in a file so the Content-Security-Policy needs no inline script.
import { initAll } from "./govuk/govuk-frontend.min.js";
initAll();

// "Print this page" buttons are shown only when the script that makes them work has run.
for (const button of document.querySelectorAll("[data-app-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
