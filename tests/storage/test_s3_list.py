"""S3Storage.list_objects (what `gc` walks) against moto, across pages."""
from __future__ import annotations

import time

from listener.storage.s3 import S3Storage
from tests.storage.test_s3 import settings_for


async def test_list_objects_pages_and_strips_the_prefix(moto, tmp_path):
    storage = S3Storage(settings_for(moto))
    await storage.start()
    try:
        src = tmp_path / "x.wav"
        src.write_bytes(b"RIFF....")
        keys = [f"posts/{i}/sig{i}.wav" for i in range(1, 1006)]  # more than one page of 1000
        for key in keys[:3]:
            await storage.put_file(key, src)
        for key in keys[3:]:  # bulk, straight into the bucket under the prefix
            moto.s3.put_object(Bucket=storage.settings.s3_bucket, Key=storage.object_key(key), Body=b"x")
        await storage.put_file("other/keep.wav", src)
        listed = [obj async for obj in storage.list_objects("posts/")]
        assert sorted(o.key for o in listed) == sorted(keys)
        assert all(abs(o.modified - time.time()) < 600 for o in listed)
        assert {o.size for o in listed} == {1, 8}
    finally:
        await storage.close()
