// The UI kit: every page's buttons, fields, messages and small pieces, one look for each.
export { Alert, alertClass, type AlertTone } from "./alert";
export { Badge, type BadgeTone } from "./badge";
export { Button, buttonClass, type ButtonProps, type ButtonSize, type ButtonVariant } from "./button";
export { cx } from "./classes";
export { CopyButton } from "./copy-button";
export { FieldError, fieldClass, Label, Select, TextField, type FieldSize } from "./field";
export { FileButton } from "./file-button";
export { formatCompact, formatCount, formatMs, formatRate, formatUtc } from "./format";
export { Kbd } from "./kbd";
export { NoticeBanner, NoticeProvider, useNotice } from "./notice";
export { PageHeader } from "./page-header";
export { Spinner } from "./spinner";
export { CellLabel, responsiveTable } from "./table";
