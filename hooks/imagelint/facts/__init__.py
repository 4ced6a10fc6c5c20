"""What imagelint knows of each image: one decode, the content-addressed index, the dataset side."""
