"""The KMS key the encryption examples name, created on a local KMS (moto's server, LocalStack) when
``AWS_ENDPOINT_URL_KMS`` points at one. On AWS, create the key and its alias once, outside the code:
a key is an account resource, not something an application makes on start-up."""

import os

import boto3

KEY_ALIAS = "alias/pydynox-docs"


def ensure_local_key() -> None:
    endpoint = os.environ.get("AWS_ENDPOINT_URL_KMS")
    if not endpoint:
        return
    kms = boto3.client("kms", region_name=os.environ.get("AWS_REGION", "us-east-1"), endpoint_url=endpoint)
    aliases = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    if KEY_ALIAS not in aliases:
        key_id = kms.create_key(Description="pydynox documentation examples")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=KEY_ALIAS, TargetKeyId=key_id)
