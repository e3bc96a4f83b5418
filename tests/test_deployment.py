"""Production settings pass Django's deployment checks; demo keys do not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def check_deploy(extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    secrets = ("PII_ENCRYPTION_KEYS", "PII_HASH_KEY", "CERT_KEY_PASSPHRASE")
    env = {k: v for k, v in os.environ.items() if k not in secrets}
    env.update(
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-" + "x7Qp9!" * 8,
        ALLOWED_HOSTS="hocvuso.laocai.gov.vn",
        **extra_env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy() -> None:
    result = check_deploy(
        {
            "PII_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "PII_HASH_KEY": "h" * 48,
            "CERT_KEY_PASSPHRASE": "p" * 48,
            "SITE_ROOT": "https://hocvuso.laocai.gov.vn",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_demo_personal_data_keys_fail_check_deploy() -> None:
    result = check_deploy({})
    assert result.returncode != 0
    assert "community.E001" in result.stderr + result.stdout
    assert "certification.E001" in result.stderr + result.stdout
