from sinorus.launch import main

main()
