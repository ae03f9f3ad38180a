"""The bucket the S3 examples name, created on a local S3 (moto's server, LocalStack) when
``AWS_ENDPOINT_URL_S3`` points at one. On AWS, create the bucket once, outside the code (bucket names
are global: pick your own and configure its encryption at rest and lifecycle rules)."""

import os

import boto3

BUCKET = "pydynox-docs"


def ensure_local_bucket() -> None:
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3")
    if not endpoint:
        return
    s3 = boto3.client("s3", region_name=os.environ.get("AWS_REGION", "us-east-1"), endpoint_url=endpoint)
    if BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=BUCKET)
