CREATE TYPE "public"."lb_algorithm" AS ENUM('round-robin', 'least-connections', 'source-hash', 'weighted-round-robin');--> statement-breakpoint
CREATE TYPE "public"."lb_health_protocol" AS ENUM('tcp', 'http', 'udp');--> statement-breakpoint
CREATE TYPE "public"."lb_protocol" AS ENUM('tcp', 'http', 'https', 'udp');--> statement-breakpoint
CREATE TABLE "lb_backends" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"listener_id" uuid NOT NULL,
	"nic_id" uuid NOT NULL,
	"weight" integer DEFAULT 1 NOT NULL,
	"group" text DEFAULT 'default' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lb_certificates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"certificate_pem" text NOT NULL,
	"chain_pem" text,
	"private_key_pem" text NOT NULL,
	"subject" text NOT NULL,
	"issuer" text NOT NULL,
	"sans" text[] DEFAULT '{}'::text[] NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"fingerprint" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lb_listeners" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lb_id" uuid NOT NULL,
	"protocol" "lb_protocol" NOT NULL,
	"lb_port" integer NOT NULL,
	"vm_port" integer NOT NULL,
	"algorithm" "lb_algorithm" DEFAULT 'round-robin' NOT NULL,
	"max_connections" integer DEFAULT 100000 NOT NULL,
	"idle_timeout_seconds" integer DEFAULT 60 NOT NULL,
	"health_check_protocol" "lb_health_protocol" NOT NULL,
	"health_check_port" integer,
	"health_check_uri" text,
	"health_check_method" text DEFAULT 'HEAD' NOT NULL,
	"health_check_http_codes" text[] DEFAULT '{http_2xx,http_3xx}'::text[] NOT NULL,
	"healthy_threshold" integer DEFAULT 2 NOT NULL,
	"unhealthy_threshold" integer DEFAULT 2 NOT NULL,
	"health_check_interval_seconds" integer DEFAULT 5 NOT NULL,
	"certificate_id" uuid,
	"policies" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "load_balancers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"vip_id" uuid NOT NULL
);
--> statement-breakpoint
ALTER TABLE "lb_backends" ADD CONSTRAINT "lb_backends_listener_id_lb_listeners_id_fk" FOREIGN KEY ("listener_id") REFERENCES "public"."lb_listeners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lb_backends" ADD CONSTRAINT "lb_backends_nic_id_nics_id_fk" FOREIGN KEY ("nic_id") REFERENCES "public"."nics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lb_certificates" ADD CONSTRAINT "lb_certificates_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lb_listeners" ADD CONSTRAINT "lb_listeners_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lb_listeners" ADD CONSTRAINT "lb_listeners_lb_id_load_balancers_id_fk" FOREIGN KEY ("lb_id") REFERENCES "public"."load_balancers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lb_listeners" ADD CONSTRAINT "lb_listeners_certificate_id_lb_certificates_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."lb_certificates"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "load_balancers" ADD CONSTRAINT "load_balancers_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "load_balancers" ADD CONSTRAINT "load_balancers_vip_id_vips_id_fk" FOREIGN KEY ("vip_id") REFERENCES "public"."vips"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "lb_backends_listener_nic_uq" ON "lb_backends" USING btree ("listener_id","nic_id");--> statement-breakpoint
CREATE INDEX "lb_backends_nic_idx" ON "lb_backends" USING btree ("nic_id");--> statement-breakpoint
CREATE INDEX "lb_listeners_lb_idx" ON "lb_listeners" USING btree ("lb_id");--> statement-breakpoint
CREATE INDEX "lb_listeners_certificate_idx" ON "lb_listeners" USING btree ("certificate_id");--> statement-breakpoint
CREATE INDEX "load_balancers_vip_idx" ON "load_balancers" USING btree ("vip_id");