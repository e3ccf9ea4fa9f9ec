"""Job kinds: one module per kind (bytebeat, mix), each turning a claimed job into a
result behind the small interface in `base`; `registry` lists the kinds a worker
claims, `progress` turns their stages into the percentage operators see, and
`downloads` fetches a mix's input files."""
