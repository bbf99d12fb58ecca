#!/bin/sh
# Prints the SeaweedFS S3 identities file (-s3.config) of the stack on stdout.
#
#   admin      WEAPP_S3_ACCESS_KEY / WEAPP_S3_SECRET_KEY: everything the services need.
#   anonymous  Read on the bucket only, so image URLs open in a browser like the original
#              public-read COS bucket; listing and writing still need the admin key.
#
# Plain POSIX sh: scripts/up runs it on the host and docker-compose.yml inside the
# chrislusf/seaweedfs image (busybox). WEAPP_S3_BUCKET defaults to album.
set -eu

: "${WEAPP_S3_ACCESS_KEY:?WEAPP_S3_ACCESS_KEY is not set}"
: "${WEAPP_S3_SECRET_KEY:?WEAPP_S3_SECRET_KEY is not set}"
bucket=${WEAPP_S3_BUCKET:-album}

# The values go into JSON as they are.
for value in "$WEAPP_S3_ACCESS_KEY" "$WEAPP_S3_SECRET_KEY" "$bucket"; do
    case $value in
    *[!A-Za-z0-9._+/=-]*)
        echo "s3-identities.sh: credentials and bucket may only contain letters, digits and . _ + / = -" >&2
        exit 1
        ;;
    esac
done

cat <<JSON
{
  "identities": [
    {
      "name": "admin",
      "credentials": [
        { "accessKey": "$WEAPP_S3_ACCESS_KEY", "secretKey": "$WEAPP_S3_SECRET_KEY" }
      ],
      "actions": ["Admin", "Read", "Write", "List", "Tagging"]
    },
    {
      "name": "anonymous",
      "actions": ["Read:$bucket"]
    }
  ]
}
JSON
