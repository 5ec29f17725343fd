ALTER TABLE "models" ADD COLUMN "source" text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "remote" jsonb;