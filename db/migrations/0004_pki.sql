CREATE TABLE "certificate_authorities" (
	"name" text PRIMARY KEY NOT NULL,
	"cert_pem" text NOT NULL,
	"key_pem" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
