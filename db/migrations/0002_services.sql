CREATE TYPE "public"."pf_protocol" AS ENUM('tcp', 'udp');--> statement-breakpoint
CREATE TABLE "eips" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"vip_id" uuid NOT NULL,
	"nic_id" uuid
);
--> statement-breakpoint
CREATE TABLE "port_forwards" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"vip_id" uuid NOT NULL,
	"protocol" "pf_protocol" NOT NULL,
	"vip_port_start" integer NOT NULL,
	"vip_port_end" integer NOT NULL,
	"vm_port_start" integer NOT NULL,
	"vm_port_end" integer NOT NULL,
	"allowed_cidr" text,
	"nic_id" uuid,
	"last_l3_id" uuid
);
--> statement-breakpoint
CREATE TABLE "route_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"table_id" uuid NOT NULL,
	"destination" text NOT NULL,
	"next_hop" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "route_table_routers" (
	"table_id" uuid NOT NULL,
	"vrouter_id" uuid NOT NULL,
	CONSTRAINT "route_table_routers_table_id_vrouter_id_pk" PRIMARY KEY("table_id","vrouter_id")
);
--> statement-breakpoint
CREATE TABLE "route_tables" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vips" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"l3_id" uuid NOT NULL,
	"ip" bigint NOT NULL,
	"system" boolean DEFAULT false NOT NULL,
	"vrouter_id" uuid
);
--> statement-breakpoint
ALTER TABLE "eips" ADD CONSTRAINT "eips_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eips" ADD CONSTRAINT "eips_vip_id_vips_id_fk" FOREIGN KEY ("vip_id") REFERENCES "public"."vips"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eips" ADD CONSTRAINT "eips_nic_id_nics_id_fk" FOREIGN KEY ("nic_id") REFERENCES "public"."nics"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "port_forwards" ADD CONSTRAINT "port_forwards_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "port_forwards" ADD CONSTRAINT "port_forwards_vip_id_vips_id_fk" FOREIGN KEY ("vip_id") REFERENCES "public"."vips"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "port_forwards" ADD CONSTRAINT "port_forwards_nic_id_nics_id_fk" FOREIGN KEY ("nic_id") REFERENCES "public"."nics"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "port_forwards" ADD CONSTRAINT "port_forwards_last_l3_id_l3_networks_id_fk" FOREIGN KEY ("last_l3_id") REFERENCES "public"."l3_networks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "route_entries" ADD CONSTRAINT "route_entries_table_id_route_tables_id_fk" FOREIGN KEY ("table_id") REFERENCES "public"."route_tables"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "route_table_routers" ADD CONSTRAINT "route_table_routers_table_id_route_tables_id_fk" FOREIGN KEY ("table_id") REFERENCES "public"."route_tables"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "route_table_routers" ADD CONSTRAINT "route_table_routers_vrouter_id_vrouters_id_fk" FOREIGN KEY ("vrouter_id") REFERENCES "public"."vrouters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "route_tables" ADD CONSTRAINT "route_tables_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vips" ADD CONSTRAINT "vips_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vips" ADD CONSTRAINT "vips_l3_id_l3_networks_id_fk" FOREIGN KEY ("l3_id") REFERENCES "public"."l3_networks"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vips" ADD CONSTRAINT "vips_vrouter_id_vrouters_id_fk" FOREIGN KEY ("vrouter_id") REFERENCES "public"."vrouters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "eips_vip_uq" ON "eips" USING btree ("vip_id");--> statement-breakpoint
CREATE UNIQUE INDEX "eips_nic_uq" ON "eips" USING btree ("nic_id");--> statement-breakpoint
CREATE INDEX "port_forwards_vip_idx" ON "port_forwards" USING btree ("vip_id");--> statement-breakpoint
CREATE INDEX "port_forwards_nic_idx" ON "port_forwards" USING btree ("nic_id");--> statement-breakpoint
CREATE UNIQUE INDEX "route_entries_table_dest_uq" ON "route_entries" USING btree ("table_id","destination");--> statement-breakpoint
CREATE INDEX "route_table_routers_router_idx" ON "route_table_routers" USING btree ("vrouter_id");--> statement-breakpoint
CREATE UNIQUE INDEX "vips_l3_ip_uq" ON "vips" USING btree ("l3_id","ip");--> statement-breakpoint
CREATE INDEX "vips_vrouter_idx" ON "vips" USING btree ("vrouter_id");--> statement-breakpoint
INSERT INTO "vips" ("account_id", "name", "description", "l3_id", "ip", "system", "vrouter_id") SELECT r."account_id", 'system-vip-' || r."name", 'System VIP of vRouter ' || r."name", n."l3_id", n."ip", true, r."id" FROM "nics" n JOIN "vrouters" r ON r."id" = n."vrouter_id" WHERE n."role" = 'public' ON CONFLICT DO NOTHING;
