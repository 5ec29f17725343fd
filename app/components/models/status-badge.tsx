import { Badge, type BadgeTone } from "~/components/ui";

const TONES: Record<string, BadgeTone> = {
  ready: "success",
  failed: "danger",
  validating: "warning",
  uploading: "warning",
};

/** A model's status (ready, failed, validating, uploading) as a badge. */
export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={TONES[status] ?? "neutral"}>{status}</Badge>;
}
