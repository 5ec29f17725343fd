// The pieces the one-shot application pages (summarise, translate, code, sentiment) share, on the
// UI kit: their form and run button, the input with its live limit, the error banner with Retry,
// the result panel and the run statistics.
export { ErrorBanner } from "./error-banner";
export { CharCount, LimitedTextArea } from "./limited-text-area";
export { ResultPanel } from "./result-panel";
export { RunStats } from "./run-stats";
export { APP_FORM_ID, isRunShortcut, RunOrStop, AppForm } from "./app-form";
