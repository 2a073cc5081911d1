CREATE TYPE "public"."account_role" AS ENUM('admin', 'tenant');--> statement-breakpoint
CREATE TYPE "public"."host_state" AS ENUM('enabled', 'disabled', 'maintenance');--> statement-breakpoint
CREATE TYPE "public"."image_kind" AS ENUM('vm', 'vrouter');--> statement-breakpoint
CREATE TYPE "public"."l2_type" AS ENUM('novlan', 'vlan', 'vxlan');--> statement-breakpoint
CREATE TYPE "public"."l3_category" AS ENUM('public', 'system', 'private');--> statement-breakpoint
CREATE TYPE "public"."l3_type" AS ENUM('flat', 'vrouter');--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"role" "account_role" DEFAULT 'tenant' NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid,
	"action" text NOT NULL,
	"resource_type" text NOT NULL,
	"resource_id" uuid,
	"detail" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "backup_storages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"zone_id" uuid NOT NULL,
	"type" text DEFAULT 'ImageStore' NOT NULL,
	"url" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "clusters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"zone_id" uuid NOT NULL,
	"hypervisor" text DEFAULT 'KVM' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hosts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"management_ip" text NOT NULL,
	"vtep_ip" text,
	"nics" jsonb NOT NULL,
	"state" "host_state" DEFAULT 'enabled' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "primary_storages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"zone_id" uuid NOT NULL,
	"type" text DEFAULT 'LocalStorage' NOT NULL,
	"url" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "zones" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "images" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"kind" "image_kind" DEFAULT 'vm' NOT NULL,
	"backup_storage_id" uuid NOT NULL,
	"url" text NOT NULL,
	"format" text DEFAULT 'qcow2' NOT NULL,
	"platform" text DEFAULT 'Linux' NOT NULL,
	"shared" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "instance_offerings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"cpu" integer NOT NULL,
	"memory_mb" integer NOT NULL,
	"shared" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vrouter_offerings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"zone_id" uuid NOT NULL,
	"cpu" integer NOT NULL,
	"memory_mb" integer NOT NULL,
	"image_id" uuid NOT NULL,
	"management_l3_id" uuid NOT NULL,
	"public_l3_id" uuid NOT NULL,
	"shared" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "l2_cluster_attachments" (
	"l2_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	CONSTRAINT "l2_cluster_attachments_l2_id_cluster_id_pk" PRIMARY KEY("l2_id","cluster_id")
);
--> statement-breakpoint
CREATE TABLE "l2_networks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"zone_id" uuid NOT NULL,
	"type" "l2_type" NOT NULL,
	"physical_nic" text,
	"vlan_id" integer,
	"vxlan_pool_id" uuid,
	"vni" integer,
	"sriov" boolean DEFAULT false NOT NULL,
	"shared" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "l3_networks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"l2_id" uuid NOT NULL,
	"category" "l3_category" NOT NULL,
	"type" "l3_type",
	"dhcp_enabled" boolean DEFAULT true NOT NULL,
	"dhcp_server_ip" bigint,
	"dns_servers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"vrouter_offering_id" uuid,
	"sriov" boolean DEFAULT false NOT NULL,
	"shared" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vxlan_pool_clusters" (
	"pool_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"vtep_cidr" text NOT NULL,
	CONSTRAINT "vxlan_pool_clusters_pool_id_cluster_id_pk" PRIMARY KEY("pool_id","cluster_id")
);
--> statement-breakpoint
CREATE TABLE "vxlan_pools" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"zone_id" uuid NOT NULL,
	"vni_start" integer NOT NULL,
	"vni_end" integer NOT NULL,
	"shared" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ip_allocations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"l3_id" uuid NOT NULL,
	"range_id" uuid,
	"ip" bigint NOT NULL,
	"kind" text NOT NULL,
	"owner_type" text,
	"owner_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ip_free_extents" (
	"range_id" uuid NOT NULL,
	"l3_id" uuid NOT NULL,
	"start_ip" bigint NOT NULL,
	"end_ip" bigint NOT NULL,
	CONSTRAINT "ip_free_extents_range_id_start_ip_pk" PRIMARY KEY("range_id","start_ip")
);
--> statement-breakpoint
CREATE TABLE "ip_ranges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"l3_id" uuid NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"start_ip" bigint NOT NULL,
	"end_ip" bigint NOT NULL,
	"prefix_length" integer NOT NULL,
	"network_ip" bigint NOT NULL,
	"gateway" bigint NOT NULL,
	"size" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backup_storages" ADD CONSTRAINT "backup_storages_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backup_storages" ADD CONSTRAINT "backup_storages_zone_id_zones_id_fk" FOREIGN KEY ("zone_id") REFERENCES "public"."zones"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clusters" ADD CONSTRAINT "clusters_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clusters" ADD CONSTRAINT "clusters_zone_id_zones_id_fk" FOREIGN KEY ("zone_id") REFERENCES "public"."zones"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hosts" ADD CONSTRAINT "hosts_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hosts" ADD CONSTRAINT "hosts_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "primary_storages" ADD CONSTRAINT "primary_storages_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "primary_storages" ADD CONSTRAINT "primary_storages_zone_id_zones_id_fk" FOREIGN KEY ("zone_id") REFERENCES "public"."zones"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "zones" ADD CONSTRAINT "zones_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_backup_storage_id_backup_storages_id_fk" FOREIGN KEY ("backup_storage_id") REFERENCES "public"."backup_storages"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_offerings" ADD CONSTRAINT "instance_offerings_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vrouter_offerings" ADD CONSTRAINT "vrouter_offerings_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vrouter_offerings" ADD CONSTRAINT "vrouter_offerings_zone_id_zones_id_fk" FOREIGN KEY ("zone_id") REFERENCES "public"."zones"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vrouter_offerings" ADD CONSTRAINT "vrouter_offerings_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vrouter_offerings" ADD CONSTRAINT "vrouter_offerings_management_l3_id_l3_networks_id_fk" FOREIGN KEY ("management_l3_id") REFERENCES "public"."l3_networks"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vrouter_offerings" ADD CONSTRAINT "vrouter_offerings_public_l3_id_l3_networks_id_fk" FOREIGN KEY ("public_l3_id") REFERENCES "public"."l3_networks"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "l2_cluster_attachments" ADD CONSTRAINT "l2_cluster_attachments_l2_id_l2_networks_id_fk" FOREIGN KEY ("l2_id") REFERENCES "public"."l2_networks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "l2_cluster_attachments" ADD CONSTRAINT "l2_cluster_attachments_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "l2_networks" ADD CONSTRAINT "l2_networks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "l2_networks" ADD CONSTRAINT "l2_networks_zone_id_zones_id_fk" FOREIGN KEY ("zone_id") REFERENCES "public"."zones"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "l2_networks" ADD CONSTRAINT "l2_networks_vxlan_pool_id_vxlan_pools_id_fk" FOREIGN KEY ("vxlan_pool_id") REFERENCES "public"."vxlan_pools"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "l3_networks" ADD CONSTRAINT "l3_networks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "l3_networks" ADD CONSTRAINT "l3_networks_l2_id_l2_networks_id_fk" FOREIGN KEY ("l2_id") REFERENCES "public"."l2_networks"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "l3_networks" ADD CONSTRAINT "l3_networks_vrouter_offering_id_vrouter_offerings_id_fk" FOREIGN KEY ("vrouter_offering_id") REFERENCES "public"."vrouter_offerings"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vxlan_pool_clusters" ADD CONSTRAINT "vxlan_pool_clusters_pool_id_vxlan_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."vxlan_pools"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vxlan_pool_clusters" ADD CONSTRAINT "vxlan_pool_clusters_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vxlan_pools" ADD CONSTRAINT "vxlan_pools_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vxlan_pools" ADD CONSTRAINT "vxlan_pools_zone_id_zones_id_fk" FOREIGN KEY ("zone_id") REFERENCES "public"."zones"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ip_allocations" ADD CONSTRAINT "ip_allocations_l3_id_l3_networks_id_fk" FOREIGN KEY ("l3_id") REFERENCES "public"."l3_networks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ip_allocations" ADD CONSTRAINT "ip_allocations_range_id_ip_ranges_id_fk" FOREIGN KEY ("range_id") REFERENCES "public"."ip_ranges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ip_free_extents" ADD CONSTRAINT "ip_free_extents_range_id_ip_ranges_id_fk" FOREIGN KEY ("range_id") REFERENCES "public"."ip_ranges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ip_free_extents" ADD CONSTRAINT "ip_free_extents_l3_id_l3_networks_id_fk" FOREIGN KEY ("l3_id") REFERENCES "public"."l3_networks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ip_ranges" ADD CONSTRAINT "ip_ranges_l3_id_l3_networks_id_fk" FOREIGN KEY ("l3_id") REFERENCES "public"."l3_networks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_name_uq" ON "accounts" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_hash_uq" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "api_tokens_account_idx" ON "api_tokens" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "sessions_account_idx" ON "sessions" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "clusters_zone_idx" ON "clusters" USING btree ("zone_id");--> statement-breakpoint
CREATE UNIQUE INDEX "hosts_mgmt_ip_uq" ON "hosts" USING btree ("management_ip");--> statement-breakpoint
CREATE INDEX "hosts_cluster_idx" ON "hosts" USING btree ("cluster_id");--> statement-breakpoint
CREATE INDEX "l2_attach_cluster_idx" ON "l2_cluster_attachments" USING btree ("cluster_id");--> statement-breakpoint
CREATE UNIQUE INDEX "l2_pool_vni_uq" ON "l2_networks" USING btree ("vxlan_pool_id","vni");--> statement-breakpoint
CREATE INDEX "l2_zone_idx" ON "l2_networks" USING btree ("zone_id");--> statement-breakpoint
CREATE INDEX "l3_l2_idx" ON "l3_networks" USING btree ("l2_id");--> statement-breakpoint
CREATE INDEX "vxlan_pools_zone_idx" ON "vxlan_pools" USING btree ("zone_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ip_allocations_l3_ip_uq" ON "ip_allocations" USING btree ("l3_id","ip");--> statement-breakpoint
CREATE INDEX "ip_allocations_owner_idx" ON "ip_allocations" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "ip_free_extents_l3_start_idx" ON "ip_free_extents" USING btree ("l3_id","start_ip");--> statement-breakpoint
CREATE INDEX "ip_ranges_l3_idx" ON "ip_ranges" USING btree ("l3_id","start_ip");