# placeholder, replaced below
test:
bench:
