#!/bin/sh
# One-shot job of compose.yaml (service "buckets"), run again on every `docker compose up`:
# the platform's private bucket, and an access key for the platform that reaches that bucket
# only (MinIO's administrator key stays with MinIO). Uses nothing but mc and the shell's
# builtins: the MinIO image has no other tools.
set -eu

mc alias set hamaynk http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "hamaynk/$AWS_STORAGE_BUCKET_NAME"
# Files are private: the platform streams them or signs short-lived links.
mc anonymous set none "hamaynk/$AWS_STORAGE_BUCKET_NAME"

policy=/tmp/hamaynk-app-policy.json
printf '%s\n' '{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      "Resource": ["arn:aws:s3:::'"$AWS_STORAGE_BUCKET_NAME"'"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      "Resource": ["arn:aws:s3:::'"$AWS_STORAGE_BUCKET_NAME"'/*"]
    }
  ]
}' >"$policy"
mc admin policy create hamaynk hamaynk-app "$policy"
# Adding an existing user sets its secret key again, so a changed AWS_SECRET_ACCESS_KEY takes effect.
mc admin user add hamaynk "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"
case "$(mc admin user info hamaynk "$AWS_ACCESS_KEY_ID")" in
*hamaynk-app*) echo "The access key already has the policy hamaynk-app." ;;
*) mc admin policy attach hamaynk hamaynk-app --user "$AWS_ACCESS_KEY_ID" ;;
esac
echo "Bucket $AWS_STORAGE_BUCKET_NAME is ready for access key $AWS_ACCESS_KEY_ID."
