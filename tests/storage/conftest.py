"""A real S3 server for the storage tests: moto's server mode with IAM
signature and permission checks on (INITIAL_NO_AUTH_ACTION_COUNT)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

import pytest

# create_user x2, put_user_policy, create_access_key x2, create_role, put_role_policy:
# then every request is checked.
UNAUTHENTICATED_ACTIONS = 7


@dataclass
class Moto:
    endpoint: str
    port: int
    key_id: str
    secret: str
    weak_key_id: str      # a user with no S3 permission at all
    weak_secret: str
    s3: object            # boto3 client with the full user's credentials
    session: dict         # temporary credentials (AssumeRole) with a session token

    def auth(self, on: bool) -> None:
        """moto answers anonymous and presigned GETs with a 500 while signature
        checks are on; reads through public or presigned URLs need a window off."""
        body = b"0" if on else b"inf"
        urllib.request.urlopen(urllib.request.Request(
            self.endpoint + "/moto-api/reset-auth", data=body, method="POST",
            headers={"Content-Type": "text/plain"})).read()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    import boto3

    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(UNAUTHENTICATED_ACTIONS)},
            stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.1)
        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="AKIDBOOTSTRAPEXAMPLE", aws_secret_access_key="x")
        user_arn = iam.create_user(UserName="renderer")["User"]["Arn"]
        iam.put_user_policy(UserName="renderer", PolicyName="s3-all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:*", "sts:AssumeRole"], "Resource": "*"}]}))
        full = iam.create_access_key(UserName="renderer")["AccessKey"]
        iam.create_user(UserName="nobody")
        weak = iam.create_access_key(UserName="nobody")["AccessKey"]
        role_arn = iam.create_role(RoleName="render-writer", AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": user_arn}}]}))["Role"]["Arn"]
        iam.put_role_policy(RoleName="render-writer", PolicyName="s3-all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        signed = dict(endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id=full["AccessKeyId"],
                      aws_secret_access_key=full["SecretAccessKey"])
        s3 = boto3.client("s3", **signed)
        s3.list_buckets()  # signed, and checked: the bootstrap window is over
        session = boto3.client("sts", **signed).assume_role(
            RoleArn=role_arn, RoleSessionName="render")["Credentials"]
        yield Moto(endpoint, port, full["AccessKeyId"], full["SecretAccessKey"],
                   weak["AccessKeyId"], weak["SecretAccessKey"], s3, session)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
