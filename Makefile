# The two commands of the README. Everything else lives in scripts/mes.
.PHONY: run test
run:
	./scripts/mes run
test:
	./scripts/mes test
