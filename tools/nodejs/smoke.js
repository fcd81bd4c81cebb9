// Smoke test of the Apache Ignite Node.js thin client (apache-ignite-client 1.0.0)
// against a server given as `node smoke.js HOST:PORT [CACHE_NAME]`.
// Puts and gets several value types, runs getAll and a scan, and prints one JSON
// object per line: {"step": ..., "value": ...}; a failure prints {"error": ...} and
// exits 1. tests/compat/test_nodejs.py runs it against embergrid and real Ignite.
'use strict';

const IgniteClient = require('apache-ignite-client');
const { ObjectType, MapObjectType, ComplexObjectType, ScanQuery } = IgniteClient;
const IgniteClientConfiguration = IgniteClient.IgniteClientConfiguration;

function emit(step, value) {
    console.log(JSON.stringify({ step, value }, (k, v) => (v instanceof Map ? [...v] : v)));
}

class Person {
    constructor(name = null, age = null) {
        this.name = name;
        this.age = age;
    }
}

const CASES = [
    ['int', 42, ObjectType.PRIMITIVE_TYPE.INTEGER],
    ['double', 2.5, ObjectType.PRIMITIVE_TYPE.DOUBLE],
    ['string', 'héllo 世界', ObjectType.PRIMITIVE_TYPE.STRING],
    ['bool', true, ObjectType.PRIMITIVE_TYPE.BOOLEAN],
    ['long', 1234567890123, ObjectType.PRIMITIVE_TYPE.LONG],
    ['int_array', [1, -2, 3], ObjectType.PRIMITIVE_TYPE.INTEGER_ARRAY],
    ['string_array', ['a', 'b'], ObjectType.PRIMITIVE_TYPE.STRING_ARRAY],
    ['map', new Map([['x', 1], ['y', 2]]),
        new MapObjectType(MapObjectType.MAP_SUBTYPE.HASH_MAP,
            ObjectType.PRIMITIVE_TYPE.STRING, ObjectType.PRIMITIVE_TYPE.INTEGER)],
];

async function main() {
    const [address, cacheName = 'nodejs-smoke'] = process.argv.slice(2);
    const client = new IgniteClient();
    await client.connect(new IgniteClientConfiguration(address));
    try {
        const cache = (await client.getOrCreateCache(cacheName))
            .setKeyType(ObjectType.PRIMITIVE_TYPE.INTEGER);
        let key = 0;
        for (const [step, value, type] of CASES) {
            const typed = client.getCache(cacheName)
                .setKeyType(ObjectType.PRIMITIVE_TYPE.INTEGER).setValueType(type);
            key += 1;
            await typed.put(key, value);
            emit(step, await typed.get(key));
        }
        const personType = new ComplexObjectType(new Person(), 'NodejsPerson')
            .setFieldType('name', ObjectType.PRIMITIVE_TYPE.STRING)
            .setFieldType('age', ObjectType.PRIMITIVE_TYPE.INTEGER);
        const people = client.getCache(cacheName)
            .setKeyType(ObjectType.PRIMITIVE_TYPE.INTEGER).setValueType(personType);
        await people.put(100, new Person('Ann', 33));
        const ann = await people.get(100);
        emit('complex', { name: ann.name, age: ann.age });

        const ints = client.getCache(cacheName)
            .setKeyType(ObjectType.PRIMITIVE_TYPE.INTEGER)
            .setValueType(ObjectType.PRIMITIVE_TYPE.INTEGER);
        await ints.putAll([200, 201, 202].map((k) => new IgniteClient.CacheEntry(k, k * 10)));
        const all = await ints.getAll([200, 201, 202, 999]);
        emit('get_all', all.map((e) => [e.getKey(), e.getValue()]).sort((a, b) => a[0] - b[0]));
        emit('size', await cache.getSize());

        // Values are of mixed types, so the scan reads them untyped.
        const cursor = await cache.query(new ScanQuery().setPageSize(2));
        const keys = [];
        for (const entry of await cursor.getAll()) {
            keys.push(entry.getKey());
        }
        emit('scan_keys', keys.sort((a, b) => a - b));
        await client.destroyCache(cacheName);
        emit('destroyed', cacheName);
    } finally {
        client.disconnect();
    }
}

main().catch((err) => {
    console.log(JSON.stringify({ error: String(err && err.stack ? err.stack : err) }));
    process.exit(1);
});
