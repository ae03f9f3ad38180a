"""AWS Lambda integration for pydynox: a warm-runtime handler decorator, DynamoDB Streams into models, idempotency without boto3."""
