// The Node.js thin client (apache-ignite-client 1.0.0) over TLS with credentials:
//
//   node tls_auth.js HOST:PORT USER PASSWORD CA_FILE [CERT_FILE KEY_FILE]
//
// Connects with TLS (the server's certificate checked against CA_FILE; a client
// certificate when CERT_FILE/KEY_FILE are given) and the user name and password,
// puts and gets one value, then tries the same with a wrong password. One JSON
// object per line: {"step": ..., "value": ...}; an unexpected failure prints
// {"error": ...} and exits 1. tests/compat/test_diff_auth.py runs it against embergrid
// and the reference node, each a persistent cluster (authentication needs one) that
// the user ignite activated first, as an Ignite user must.
'use strict';

const fs = require('fs');
const IgniteClient = require('apache-ignite-client');
const { ObjectType } = IgniteClient;
const IgniteClientConfiguration = IgniteClient.IgniteClientConfiguration;

function emit(step, value) {
    console.log(JSON.stringify({ step, value }));
}

function configuration(address, user, password, ca, cert, key) {
    const options = {
        ca: fs.readFileSync(ca),
        rejectUnauthorized: true,
        checkServerIdentity: () => undefined, // the CA is checked, not the host name
    };
    if (cert) {
        options.cert = fs.readFileSync(cert);
        options.key = fs.readFileSync(key);
    }
    return new IgniteClientConfiguration(address)
        .setUserName(user).setPassword(password).setConnectionOptions(true, options);
}

async function attempt(config, cacheName) {
    const client = new IgniteClient();
    try {
        await client.connect(config);
        const cache = (await client.getOrCreateCache(cacheName))
            .setKeyType(ObjectType.PRIMITIVE_TYPE.INTEGER)
            .setValueType(ObjectType.PRIMITIVE_TYPE.STRING);
        await cache.put(1, 'over tls');
        return { ok: await cache.get(1) };
    } catch (err) {
        return { failed: err.message };
    } finally {
        client.disconnect();
    }
}

async function main() {
    const [address, user, password, ca, cert, key] = process.argv.slice(2);
    const right = await attempt(configuration(address, user, password, ca, cert, key), 'nodejs-tls');
    emit('right', right);
    const wrong = await attempt(configuration(address, user, password + 'x', ca, cert, key), 'nodejs-tls');
    emit('wrong', wrong);
}

main().then(() => process.exit(0), (err) => {
    console.log(JSON.stringify({ error: String(err && err.stack || err) }));
    process.exit(1);
});
