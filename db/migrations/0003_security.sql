CREATE TYPE "public"."sg_direction" AS ENUM('ingress', 'egress');--> statement-breakpoint
CREATE TYPE "public"."sg_protocol" AS ENUM('all', 'tcp', 'udp', 'icmp');--> statement-breakpoint
CREATE TABLE "security_group_l3s" (
	"group_id" uuid NOT NULL,
	"l3_id" uuid NOT NULL,
	CONSTRAINT "security_group_l3s_group_id_l3_id_pk" PRIMARY KEY("group_id","l3_id")
);
--> statement-breakpoint
CREATE TABLE "security_group_nics" (
	"group_id" uuid NOT NULL,
	"nic_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "security_group_nics_group_id_nic_id_pk" PRIMARY KEY("group_id","nic_id")
);
--> statement-breakpoint
CREATE TABLE "security_group_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"group_id" uuid NOT NULL,
	"direction" "sg_direction" NOT NULL,
	"protocol" "sg_protocol" NOT NULL,
	"port_start" integer,
	"port_end" integer,
	"icmp_type" integer,
	"icmp_code" integer,
	"cidr" text,
	"remote_group_id" uuid,
	"is_default" boolean DEFAULT false NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"seq" bigserial NOT NULL
);
--> statement-breakpoint
CREATE TABLE "security_groups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "security_group_l3s" ADD CONSTRAINT "security_group_l3s_group_id_security_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."security_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "security_group_l3s" ADD CONSTRAINT "security_group_l3s_l3_id_l3_networks_id_fk" FOREIGN KEY ("l3_id") REFERENCES "public"."l3_networks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "security_group_nics" ADD CONSTRAINT "security_group_nics_group_id_security_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."security_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "security_group_nics" ADD CONSTRAINT "security_group_nics_nic_id_nics_id_fk" FOREIGN KEY ("nic_id") REFERENCES "public"."nics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "security_group_rules" ADD CONSTRAINT "security_group_rules_group_id_security_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."security_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "security_group_rules" ADD CONSTRAINT "security_group_rules_remote_group_id_security_groups_id_fk" FOREIGN KEY ("remote_group_id") REFERENCES "public"."security_groups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "security_groups" ADD CONSTRAINT "security_groups_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "security_group_l3s_l3_idx" ON "security_group_l3s" USING btree ("l3_id");--> statement-breakpoint
CREATE INDEX "security_group_nics_nic_idx" ON "security_group_nics" USING btree ("nic_id");--> statement-breakpoint
CREATE INDEX "security_group_rules_group_idx" ON "security_group_rules" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "security_group_rules_remote_idx" ON "security_group_rules" USING btree ("remote_group_id");