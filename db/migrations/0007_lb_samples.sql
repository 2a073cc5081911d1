CREATE TABLE "lb_listener_samples" (
	"listener_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"current" integer NOT NULL,
	"total" bigint NOT NULL,
	"bytes_in" bigint NOT NULL,
	"bytes_out" bigint NOT NULL,
	"backends" jsonb NOT NULL,
	CONSTRAINT "lb_listener_samples_listener_id_at_pk" PRIMARY KEY("listener_id","at")
);
--> statement-breakpoint
ALTER TABLE "lb_listener_samples" ADD CONSTRAINT "lb_listener_samples_listener_id_lb_listeners_id_fk" FOREIGN KEY ("listener_id") REFERENCES "public"."lb_listeners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "lb_listener_samples_at_idx" ON "lb_listener_samples" USING btree ("at");