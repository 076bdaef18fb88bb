// Seed 000's layout (../shared/seeds/000): a Pydantic settings class
// (config.py), a documented .env.example with [VAULT] markers, and the
// vault-agent template (secrets.ctmpl). Shared by the unit, e2e and journey tests.

/** Seed 000's layer 2, written the ways real settings classes are. */
export const SEED_CONFIG_PY = `"""Backend configuration (code SSOT)."""
from typing import ClassVar, Literal, Optional

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings.

    model_config = "not this one": inside a docstring
    """

    model_config = SettingsConfigDict(
        env_file=".env",  # local only; production gets /etc/vault/secrets
        extra="ignore",
        case_sensitive=False,
    )

    # PostgreSQL connection string
    database_url: SecretStr = Field(
        default=SecretStr("postgresql://postgres:postgres@localhost:5432/finance"),
        validation_alias="DATABASE_URL",
    )
    redis_url: Optional[str] = None  # prod/staging only
    s3_endpoint: str = "http://localhost:9000"
    s3_access_key: str = Field(default="minioadmin")
    s3_secret_key: SecretStr = Field(..., description="S3 secret key")
    s3_bucket: str = "statements"
    openrouter_api_key: SecretStr | None = Field(
        None,
        description="AI features (empty disables them)",
    )
    secret_key: SecretStr
    debug: bool = False
    base_currency: str = 'SGD'
    primary_model: str = "google/gemini-2.0-flash-exp:free"
    openrouter_daily_limit_usd: float = 2
    jwt_algorithm: Literal["HS256", "HS512"] = "HS256"
    access_token_expire_minutes: int = Field(default=1_440, ge=1)
    cors_origins: list[str] = Field(default_factory=lambda: ["http://localhost:3000"])
    next_public_app_url: str = Field(
        default="http://localhost:3000",
        validation_alias="NEXT_PUBLIC_APP_URL",
    )
    instances: ClassVar[int] = 0

    class Nested:
        not_a_field: int = 3

    @field_validator("debug")
    @classmethod
    def no_debug_in_prod(cls, value: bool) -> bool:
        shadow: str = "inside a method"
        return value


class Other:
    other_field: str = "not settings"
`;

/** Seed 000's layer 3: the documentation layer, [VAULT] marking what production reads from Vault. */
export const SEED_ENV_EXAMPLE = `# === Required in production (secrets.ctmpl) ===
# [VAULT] PostgreSQL connection string
DATABASE_URL=postgresql://postgres:postgres@localhost:5432/finance_report
# [VAULT] Redis connection (prod/staging only)
REDIS_URL=
# [VAULT] MinIO/S3 endpoint
S3_ENDPOINT=http://localhost:9000
# [VAULT] S3 credentials
S3_ACCESS_KEY=minioadmin
# [VAULT]
S3_SECRET_KEY=minioadmin
# [VAULT] Bucket name
S3_BUCKET=statements
# [VAULT] AI features (can be empty to disable)
OPENROUTER_API_KEY=
# [VAULT] JWT signing key
SECRET_KEY=changeme

# === Optional (config.py defaults) ===
DEBUG=false
BASE_CURRENCY=SGD
PRIMARY_MODEL=google/gemini-2.0-flash-exp:free
FALLBACK_MODELS=qwen/qwen-2.5-72b-instruct:free,nvidia/llama-3.1-nemotron-70b-instruct:free
OPENROUTER_DAILY_LIMIT_USD=2
JWT_ALGORITHM=HS256
# 24 hours
ACCESS_TOKEN_EXPIRE_MINUTES=1440
`;
