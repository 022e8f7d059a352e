import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorOf, load, warningsOf } from "./spec-helpers.js";

const ONE_MODEL = "model_list:\n  - {model_name: m, litellm_params: {model: mock/m}}\n";

/** A config enabling JWT auth with `fields` (flow-map entries) in litellm_jwtauth. */
function jwt(fields: string): string {
  return `${ONE_MODEL}general_settings:\n  enable_jwt_auth: true\n  litellm_jwtauth: {${fields}}\n`;
}

const REQUIRED = "jwks_url: https://idp.example.com/jwks.json, issuer: https://idp.example.com, audience: gateway";

describe("general_settings.litellm_jwtauth", () => {
  test("defaults: RS256 and ES256, 30 s skew, user id from sub", () => {
    const config = load(jwt(REQUIRED));
    assert.deepEqual(config.general.jwtAuth, {
      jwksUrl: "https://idp.example.com/jwks.json",
      issuer: "https://idp.example.com",
      audience: ["gateway"],
      algorithms: ["RS256", "ES256"],
      clockSkewSeconds: 30,
      userIdField: "sub",
      adminRoles: [],
    });
    assert.deepEqual(warningsOf(config), []);
  });

  test("every field takes effect; http is accepted for loopback", () => {
    const config = load(
      jwt(
        "jwks_url: 'http://127.0.0.1:9000/jwks', issuer: idp, audience: [a, b], algorithms: [ES384, PS256], " +
          "clock_skew_seconds: 0, user_id_jwt_field: email, team_id_jwt_field: team, team_ids_jwt_field: groups, " +
          "user_email_jwt_field: email, roles_jwt_field: realm_access.roles, admin_roles: [gateway-admin], " +
          "allowed_models_jwt_field: models",
      ),
    );
    assert.deepEqual(config.general.jwtAuth, {
      jwksUrl: "http://127.0.0.1:9000/jwks",
      issuer: "idp",
      audience: ["a", "b"],
      algorithms: ["ES384", "PS256"],
      clockSkewSeconds: 0,
      userIdField: "email",
      teamIdField: "team",
      teamIdsField: "groups",
      userEmailField: "email",
      rolesField: "realm_access.roles",
      adminRoles: ["gateway-admin"],
      allowedModelsField: "models",
    });
  });

  test("without enable_jwt_auth the section is ignored with a warning", () => {
    const config = load(`${ONE_MODEL}general_settings: {litellm_jwtauth: {issuer: x}}`);
    assert.equal(config.general.jwtAuth, undefined);
    assert.deepEqual(warningsOf(config), [
      "general_settings.litellm_jwtauth: ignored because general_settings.enable_jwt_auth is not true",
    ]);
  });

  test('"none" and HS* algorithms are refused at load', () => {
    assert.equal(
      errorOf(jwt(`${REQUIRED}, algorithms: [RS256, none, HS256]`)),
      [
        'config: general_settings.litellm_jwtauth.algorithms[1]: "none" is refused: unsigned tokens prove nothing',
        'config: general_settings.litellm_jwtauth.algorithms[2]: "HS256" is refused: symmetric algorithms cannot use keys from a JWKS URL',
      ].join("\n"),
    );
    assert.match(errorOf(jwt(`${REQUIRED}, algorithms: [RS1]`)), /algorithms\[0\]: expected one of RS256, /);
  });

  test("missing required fields and bad values are errors naming the path", () => {
    assert.equal(
      errorOf(jwt("jwks_url: http://idp.example.com/jwks, audience: []")),
      [
        'config: general_settings.litellm_jwtauth.jwks_url: expected an https:// URL (http:// only for loopback hosts), got "http://idp.example.com/jwks"',
        "config: general_settings.litellm_jwtauth.issuer: missing; expected a non-empty string",
        "config: general_settings.litellm_jwtauth.audience: expected at least one audience",
      ].join("\n"),
    );
    assert.equal(
      errorOf(jwt(`${REQUIRED}, clock_skew_seconds: 301`)),
      "config: general_settings.litellm_jwtauth.clock_skew_seconds: expected an integer from 0 to 300, got 301",
    );
    assert.equal(
      errorOf(`${ONE_MODEL}general_settings: {enable_jwt_auth: true}`),
      "config: general_settings.litellm_jwtauth: missing; expected a map with jwks_url, issuer and audience",
    );
  });

  test("LiteLLM keys switchyard does not read are warned about, unknown ones too", () => {
    const config = load(jwt(`${REQUIRED}, role_mappings: [], user_id_upsert: true, admin_role: x`));
    assert.deepEqual(warningsOf(config), [
      "general_settings.litellm_jwtauth.role_mappings: not supported by switchyard; ignored (map claims with the *_jwt_field keys and admin_roles)",
      "general_settings.litellm_jwtauth.user_id_upsert: not supported by switchyard; ignored (map claims with the *_jwt_field keys and admin_roles)",
      'general_settings.litellm_jwtauth.admin_role: not recognised by switchyard; ignored (did you mean "admin_roles"?)',
    ]);
  });
});
