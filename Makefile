# The two commands of the README. Everything else lives in scripts/mes.
.PHONY: run test validate
run:
	./scripts/mes run
test:
	./scripts/mes test
# the validation kit (IQ/OQ report for QA), after the two commands above
validate:
	./scripts/mes validate
