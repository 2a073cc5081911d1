CREATE TYPE "public"."agent_kind" AS ENUM('host', 'vrouter');--> statement-breakpoint
CREATE TYPE "public"."nic_role" AS ENUM('vm', 'management', 'public', 'private');--> statement-breakpoint
CREATE TYPE "public"."vm_state" AS ENUM('running', 'stopped');--> statement-breakpoint
CREATE TABLE "agents" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" "agent_kind" NOT NULL,
	"desired_generation" bigint DEFAULT 1 NOT NULL,
	"applied_generation" bigint DEFAULT 0 NOT NULL,
	"endpoint" text,
	"token" text NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"last_applied_at" timestamp with time zone,
	"last_checked_at" timestamp with time zone,
	"kernel_hash" text,
	"drift" boolean DEFAULT false NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "nics" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vm_id" uuid,
	"vrouter_id" uuid,
	"l3_id" uuid NOT NULL,
	"role" "nic_role" NOT NULL,
	"ip" bigint NOT NULL,
	"mac" text NOT NULL,
	"device_index" integer NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"instance_offering_id" uuid NOT NULL,
	"image_id" uuid NOT NULL,
	"host_id" uuid NOT NULL,
	"state" "vm_state" DEFAULT 'running' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vrouters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"offering_id" uuid NOT NULL,
	"host_id" uuid NOT NULL,
	"state" "vm_state" DEFAULT 'running' NOT NULL
);
--> statement-breakpoint
ALTER TABLE "nics" ADD CONSTRAINT "nics_vm_id_vms_id_fk" FOREIGN KEY ("vm_id") REFERENCES "public"."vms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nics" ADD CONSTRAINT "nics_vrouter_id_vrouters_id_fk" FOREIGN KEY ("vrouter_id") REFERENCES "public"."vrouters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nics" ADD CONSTRAINT "nics_l3_id_l3_networks_id_fk" FOREIGN KEY ("l3_id") REFERENCES "public"."l3_networks"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vms" ADD CONSTRAINT "vms_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vms" ADD CONSTRAINT "vms_instance_offering_id_instance_offerings_id_fk" FOREIGN KEY ("instance_offering_id") REFERENCES "public"."instance_offerings"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vms" ADD CONSTRAINT "vms_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vms" ADD CONSTRAINT "vms_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vrouters" ADD CONSTRAINT "vrouters_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vrouters" ADD CONSTRAINT "vrouters_offering_id_vrouter_offerings_id_fk" FOREIGN KEY ("offering_id") REFERENCES "public"."vrouter_offerings"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vrouters" ADD CONSTRAINT "vrouters_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agents_due_idx" ON "agents" USING btree ("next_attempt_at");--> statement-breakpoint
CREATE UNIQUE INDEX "nics_mac_uq" ON "nics" USING btree ("mac");--> statement-breakpoint
CREATE INDEX "nics_vm_idx" ON "nics" USING btree ("vm_id");--> statement-breakpoint
CREATE INDEX "nics_vrouter_idx" ON "nics" USING btree ("vrouter_id");--> statement-breakpoint
CREATE INDEX "nics_l3_idx" ON "nics" USING btree ("l3_id");--> statement-breakpoint
CREATE INDEX "vms_host_idx" ON "vms" USING btree ("host_id");--> statement-breakpoint
CREATE INDEX "vrouters_host_idx" ON "vrouters" USING btree ("host_id");--> statement-breakpoint
INSERT INTO "agents" ("id", "kind", "token") SELECT "id", 'host', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '') FROM "hosts" ON CONFLICT DO NOTHING;
