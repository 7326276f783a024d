from sinorus.cli import main

main()
